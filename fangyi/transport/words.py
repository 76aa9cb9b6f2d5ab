"""The transport part's words: (zh-CN, English) pairs."""

from __future__ import annotations

KIND_WORDS = {
    "placement": ("隔离转运", "To quarantine"),
    "hospital": ("病例转运定点医院", "Case to hospital"),
    "fever_clinic": ("发热转运发热门诊", "Fever to clinic"),
    "samples": ("样本转运", "Tube boxes"),
    "supplies": ("物资配送", "Supplies"),
}
STATE_WORDS = {
    "free": ("空闲", "free"),
    "assigned": ("已派", "assigned"),
    "en_route": ("在途", "en route"),
    "at_destination": ("已到达", "at destination"),
    "disinfecting": ("消杀中", "disinfecting"),
    "off_duty": ("停运", "off duty"),
}
CLASS_WORDS = {
    "case": ("病例", "case"),
    "suspected": ("疑似", "suspected"),
    "close_contact": ("密接", "close contact"),
    "secondary_contact": ("次密接", "secondary contact"),
    "other": ("其他人员", "other"),
    "tubes": ("样本", "tubes"),
    "supplies": ("物资", "supplies"),
}
STATUS_WORDS = {
    "open": ("待派", "open"),
    "assigned": ("已派", "assigned"),
    "arrived": ("已到接车点", "arrived"),
    "picked_up": ("已接上", "picked up"),
    "delivered": ("已送达", "delivered"),
    "done": ("已闭环", "done"),
    "called_off": ("已取消", "called off"),
}
REASON_WORDS = {
    "seats": ("座位不足：没有可载此任务的车辆", "not enough seats: no vehicle may carry it"),
    "window": ("时间窗太紧：最近的车辆也赶不上", "window too tight: even the nearest vehicle is late"),
    "busy": ("车辆都忙：时间窗内无空车", "fleet busy: no vehicle free in time"),
    "time": ("求解超时未得方案", "no plan within the time limit"),
}

WORDS: dict[str, tuple[str, str]] = {
    "nav.transport": ("转运调度", "Transport"),
    "nav.driver": ("我的任务", "My runs"),
    "nav.arrivals": ("转运到达确认", "Arrivals"),
    "perm.read_transport": ("查看转运", "read transport"),
    "perm.dispatch": ("调度车辆", "dispatch vehicles"),
    "perm.request_transport": ("提出转运任务", "ask for transport"),
    "perm.drive": ("执行转运", "drive transport runs"),
    "perm.receive_transport": ("确认转运到达", "confirm transport arrivals"),
    "perm.manage_fleet": ("管理车队", "manage the fleet"),
    "imports.kind.vehicles": ("车辆", "Vehicles"),
    "t.board": ("转运调度台", "Dispatch board"),
    "t.open_tasks": ("待办任务", "Open tasks"),
    "t.fleet": ("车辆", "Fleet"),
    "t.suggest": ("生成调度建议", "Suggest a plan"),
    "t.accept": ("采纳", "Accept"),
    "t.suggestion": ("调度建议", "Suggested plan"),
    "t.unplanned": ("未能安排", "Not planned"),
    "t.late": ("已超时", "late"),
    "t.clock": ("2小时时钟", "2-hour clock"),
    "t.minutes_left": ("剩余 {m} 分钟", "{m} min left"),
    "t.minutes_over": ("超时 {m} 分钟", "{m} min over"),
    "t.from": ("接", "From"),
    "t.to": ("送", "To"),
    "t.kind": ("类型", "Kind"),
    "t.riders": ("人员", "Riders"),
    "t.age": ("等待", "Waiting"),
    "t.status": ("状态", "Status"),
    "t.vehicle": ("车辆", "Vehicle"),
    "t.plate": ("车牌", "Plate"),
    "t.state": ("状态", "State"),
    "t.since": ("起始", "Since"),
    "t.trip": ("趟次", "Trip"),
    "t.pickup_at": ("接人时间", "Pick-up"),
    "t.no_vehicle": ("调度员尚未把您登记为任何车辆的司机", "No vehicle names you as its driver yet"),
    "t.no_task": ("暂无任务", "No task for now"),
    "t.next": ("当前任务", "Current trip"),
    "t.later": ("后续任务", "Later"),
    "t.where": ("去哪里", "Where to go"),
    "t.who": ("接谁/接什么", "Who or what to pick up"),
    "t.arrived": ("已到达接车点", "Arrived"),
    "t.picked_up": ("已接上", "Picked up"),
    "t.delivered": ("已送达", "Delivered"),
    "t.disinfected": ("已消杀", "Disinfected"),
    "t.due_disinfection": ("本车需消杀后才能接下一单", "Disinfect before the next task"),
    "t.called_off": ("任务已取消", "Task called off"),
    "t.seen": ("知道了", "Got it"),
    "t.arrivals": ("待确认到达", "Arrivals to confirm"),
    "t.confirm": ("确认到达", "Confirm arrival"),
    "t.items": ("物品", "Items"),
    "t.map": ("车辆分布示意", "Where the vehicles are"),
    "t.minutes": ("{m} 分钟", "{m} min"),
    "report.fig.transport.people_moved": ("转运人数", "People moved"),
    "report.fig.transport.tube_boxes_delivered": ("送达样本箱", "Tube boxes delivered"),
    "report.fig.transport.median_pickup_delay_minutes": ("接人延误中位数（分钟）", "Median pick-up delay (min)"),
    "report.fig.transport.case_transfers_in_time": ("2小时内转运病例/全部", "Case transfers within 2 h / all"),
}
for _kind, (_zh, _en) in KIND_WORDS.items():
    WORDS[f"t.kind.{_kind}"] = (_zh, _en)
    WORDS[f"report.fig.transport.{_kind}_done"] = (f"{_zh}完成", f"{_en}: done")
    WORDS[f"report.fig.transport.{_kind}_open"] = (f"{_zh}待办", f"{_en}: open")
for _state, (_zh, _en) in STATE_WORDS.items():
    WORDS[f"t.state.{_state}"] = (_zh, _en)
    WORDS[f"report.fig.transport.vehicles_{_state}"] = (f"车辆{_zh}", f"Vehicles {_en}")
for _name, pair in CLASS_WORDS.items():
    WORDS[f"t.class.{_name}"] = pair
for _name, pair in STATUS_WORDS.items():
    WORDS[f"t.status.{_name}"] = pair
for _name, pair in REASON_WORDS.items():
    WORDS[f"t.reason.{_name}"] = pair
