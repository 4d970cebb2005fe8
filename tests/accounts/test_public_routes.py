"""What a browser fetches before anyone logs in: the icon every page asks for."""

from fastapi.testclient import TestClient


def test_the_icon_is_served_to_anyone(client: TestClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
