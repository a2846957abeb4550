"""The error objects the sandbox answers with, shaped like WordPress ``WP_Error`` responses."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error the REST API answers as ``{"code", "message", "data": {"status", ...}}``.

    Raised anywhere inside request handling; the HTTP layer turns it into the response, and
    batch handling turns it into a per-item ``error`` object.
    """

    def __init__(self, code: str, message: str, status: int, **data: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.data = data

    def body(self) -> dict[str, Any]:
        """The JSON body WordPress would send for this error."""
        return {
            "code": self.code,
            "message": self.message,
            "data": {"status": self.status, **self.data},
        }


def invalid_param(param: str, message: str, code: str = "rest_invalid_param") -> ApiError:
    """WordPress's argument validation failure (``rest_invalid_param``, 400)."""
    return ApiError(
        "rest_invalid_param",
        f"Invalid parameter(s): {param}",
        400,
        params={param: message},
        details={param: {"code": code, "message": message, "data": None}},
    )


def missing_param(param: str) -> ApiError:
    """WordPress's answer when a required argument is absent."""
    return ApiError(
        "rest_missing_callback_param",
        f"Missing parameter(s): {param}",
        400,
        params=[param],
    )


NO_ROUTE = ("rest_no_route", "No route was found matching the URL and request method.", 404)


def no_route() -> ApiError:
    """Unknown route, or a known route with a method it does not accept."""
    return ApiError(*NO_ROUTE)
