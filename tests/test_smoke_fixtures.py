from sqlalchemy import select

from fangyi.auth.models import User


def test_cast_has_one_user_per_role(cast, db):
    assert len(db.scalars(select(User)).all()) == 11


def test_api_token_identifies_user(cast, client):
    r = client.get("/healthz", headers=cast.headers("tracer"))
    assert r.status_code == 200
