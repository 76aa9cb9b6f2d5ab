"""`python -m fangyi`: the `fangyi` command."""

from fangyi.cli.main import app

app(prog_name="fangyi")
