"""The transport JSON API under /api/v1/transport: tasks, the fleet, suggestions and assignment,
preemption and calling off, the driver's steps and the receiving side's confirmation.

Each route declares the permission its service checks (`needs`) and calls one service function."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Security

from fangyi.deps import ApiUser, SessionDep
from fangyi.transport import service
from fangyi.transport.models import Task, Vehicle
from fangyi.transport.schemas import (
    AssignIn,
    CallOffIn,
    RiderOut,
    StateIn,
    StepIn,
    SuggestionOut,
    TaskIn,
    TaskOut,
    VehicleOut,
    WorkOut,
)
from fangyi.web.http import API_TOKEN, needs, problems

router = APIRouter(prefix="/api/v1/transport", tags=["transport"], dependencies=[Security(API_TOKEN)],
                   responses=problems(401, 403, 422))

ItemId = Annotated[int, Path(ge=1, le=2**62)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Status = Annotated[str | None, Query(pattern=r"^(open|assigned|arrived|picked_up|delivered|done|called_off)$")]


def _task(task: Task) -> TaskOut:
    return TaskOut.model_validate(task, from_attributes=True)


def _vehicle(vehicle: Vehicle) -> VehicleOut:
    return VehicleOut.model_validate(vehicle, from_attributes=True)


def _work(work: service.Work) -> WorkOut:
    return WorkOut(vehicle=_vehicle(work.vehicle) if work.vehicle else None, trip=[_task(t) for t in work.trip],
                   riders=[RiderOut(person_id=r.person_id, name=r.name, masked_id=r.masked_id) for r in work.riders],
                   later=[_task(t) for t in work.later], notices=[_task(t) for t in work.notices])


@router.get("/tasks", response_model=list[TaskOut], summary="Transport tasks, most urgent and oldest first",
            openapi_extra=needs("read_transport"))
def list_tasks(session: SessionDep, user: ApiUser, status: Status = None, limit: Limit = 500) -> list[TaskOut]:
    return [_task(t) for t in service.list_tasks(session, user, status, limit)]


@router.post("/tasks", response_model=TaskOut, status_code=201, responses=problems(404),
             summary="A transport task (people, a box of tubes, supplies) between two registry areas",
             openapi_extra=needs("request_transport"))
def create_task(body: TaskIn, session: SessionDep, user: ApiUser) -> TaskOut:
    task = service.create_task(session, user, service.TaskFields(**body.model_dump()))
    session.commit()
    return _task(task)


@router.get("/tasks/{task_id}", response_model=TaskOut, responses=problems(404), summary="One task",
            openapi_extra=needs("read_transport"))
def get_task(task_id: ItemId, session: SessionDep, user: ApiUser) -> TaskOut:
    return _task(service.get_task(session, user, task_id))


@router.post("/tasks/{task_id}/call-off", response_model=TaskOut, responses=problems(404, 409),
             summary="Call a task off (its driver is told)", openapi_extra=needs("dispatch"))
def call_off(task_id: ItemId, body: CallOffIn, session: SessionDep, user: ApiUser) -> TaskOut:
    task = service.call_off(session, user, task_id, body.reason)
    session.commit()
    return _task(task)


@router.post("/tasks/{task_id}/preempt", response_model=VehicleOut, responses=problems(404, 409),
             summary="Send a task ahead of everything: the nearest suitable vehicle, or the one that frees soonest",
             openapi_extra=needs("dispatch"))
def preempt(task_id: ItemId, session: SessionDep, user: ApiUser) -> VehicleOut:
    vehicle = service.preempt(session, user, task_id)
    session.commit()
    return _vehicle(vehicle)


@router.post("/tasks/{task_id}/confirm", response_model=TaskOut, responses=problems(404, 409),
             summary="The site or hospital confirms the people arrived: the loop closes",
             openapi_extra=needs("receive_transport"))
def confirm(task_id: ItemId, session: SessionDep, user: ApiUser) -> TaskOut:
    task = service.confirm_arrival(session, user, task_id)
    session.commit()
    return _task(task)


@router.get("/vehicles", response_model=list[VehicleOut], summary="The fleet, by plate",
            openapi_extra=needs("read_transport"))
def list_vehicles(session: SessionDep, user: ApiUser) -> list[VehicleOut]:
    return [_vehicle(v) for v in service.vehicles(session, user)]


@router.post("/vehicles/{vehicle_id}/state", response_model=VehicleOut, responses=problems(404, 409),
             summary="Mark a vehicle free or off duty (free is refused while a disinfection is due)",
             openapi_extra=needs("dispatch"))
def set_state(vehicle_id: ItemId, body: StateIn, session: SessionDep, user: ApiUser) -> VehicleOut:
    vehicle = service.set_state(session, user, vehicle_id, body.state)
    session.commit()
    return _vehicle(vehicle)


@router.post("/vehicles/{vehicle_id}/assign", response_model=list[TaskOut], responses=problems(404, 409),
             summary="Assign open tasks to a vehicle in trips (409 when another dispatcher assigned it meanwhile)",
             openapi_extra=needs("dispatch"))
def assign(vehicle_id: ItemId, body: AssignIn, session: SessionDep, user: ApiUser) -> list[TaskOut]:
    tasks = service.assign(session, user, vehicle_id, body.version, body.trips)
    session.commit()
    return [_task(t) for t in tasks]


@router.post("/suggestion", response_model=SuggestionOut,
             summary="A suggested plan for the open tasks (OR-Tools), with why any task is left out",
             openapi_extra=needs("dispatch"))
def suggestion(session: SessionDep, user: ApiUser) -> SuggestionOut:
    found = service.suggest(session, user)
    session.commit()  # tasks taken over from quarantine, tasks called off
    return SuggestionOut.model_validate({"at": found.at, "routes": found.routes, "unplanned": found.unplanned})


@router.get("/driver", response_model=WorkOut, summary="The signed-in driver's vehicle and current trip",
            openapi_extra=needs("drive"))
def driver(session: SessionDep, user: ApiUser) -> WorkOut:
    work = service.driver_work(session, user)
    session.commit()
    return _work(work)


@router.post("/driver/step", response_model=WorkOut, responses=problems(404, 409),
             summary="A button on the driver's phone: arrived, picked up, delivered, disinfected, seen",
             openapi_extra=needs("drive"))
def step(body: StepIn, session: SessionDep, user: ApiUser) -> WorkOut:
    work = service.driver_step(session, user, body.step, task_ids=body.task_ids, person_ids=body.person_ids)
    session.commit()
    return _work(work)


@router.get("/arrivals", response_model=list[TaskOut], summary="Delivered tasks waiting for the receiving side",
            openapi_extra=needs("receive_transport"))
def arrivals(session: SessionDep, user: ApiUser) -> list[TaskOut]:
    return [_task(t) for t in service.arrivals(session, user)]
