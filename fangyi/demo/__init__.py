"""The demo county: a synthetic county modelled on 衡东县 (Hengdong, Hunan), built reproducibly from a seed."""

from fangyi.demo.build import SCENARIOS, SIZES, DemoSpec, Size, build
from fangyi.demo.users import Login, logins

__all__ = ["SCENARIOS", "SIZES", "DemoSpec", "Login", "Size", "build", "logins"]
