"""Transport: closed-loop dispatch of the county fleet."""
