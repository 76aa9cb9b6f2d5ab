"""Transport's records on each side: coordinates on the side's areas, a vehicle (the inside one the
matrix driver's), and an open supplies task from the side's group to its village."""

from __future__ import annotations

from fangyi.access import SYSTEM
from fangyi.registry.models import Area
from fangyi.transport import service
from fangyi.transport.models import Vehicle
from tests.matrix.world import World


def build(world: World) -> None:
    session = world.session
    for n, side in enumerate(world.sides()):
        for k, code in enumerate((side.township, side.village, side.group)):
            area = session.get(Area, code)
            assert area is not None
            area.lat, area.lon = 27.0 + n * 0.2 + k * 0.01, 112.9 + n * 0.2
        word = "里" if side.name == "inside" else "外"
        vehicle = Vehicle(plate=f"湘D{word}{n}01", kind="van", seats=6, institution=f"{word}乡卫生院",
                          depot_area_code=side.village, driver_username="m-driver" if n == 0 else None)
        session.add(vehicle)
        session.flush()
        side.add("vehicle", vehicle, vehicle.plate, vehicle.institution)
        task = service.create_task(session, SYSTEM, service.TaskFields(
            kind="supplies", rider_class="supplies", from_area_code=side.group, to_area_code=side.village,
            from_label=f"{word}乡物资库", items=[f"{word}乡口罩"]))
        side.add("task", task, task.from_label)
    session.flush()
