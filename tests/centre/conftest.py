"""The centre cabinet shares the hiring pipeline's set-up (same world, English messages)."""

from tests.applications.conftest import World, english, sign_in, world  # noqa: F401
