"""The import layering of docs/architecture.md holds for the whole project, and the checker
really catches each kind of break."""

import tomllib

from wya import layering


def test_the_project_imports_follow_the_layers():
    assert [str(v) for v in layering.violations()] == []


def test_every_app_is_in_exactly_one_layer():
    assert len(layering.PACKAGES) == len(set(layering.PACKAGES))
    assert set(layering.PACKAGES) >= {"accounts", "geo", "messaging", "rooms", "safety", "wya"}


def test_a_lower_app_importing_a_higher_one_is_reported():
    found = layering.check_source("rooms.selectors", "from messaging.selectors import x\n")

    assert [(v.imported, v.line) for v in found] == [("messaging.selectors.x", 1)]
    assert "rooms is not above messaging" in found[0].reason


def test_apps_of_the_same_layer_may_not_import_each_other():
    found = layering.check_source("safety.services", "import uploads.services\n")

    assert len(found) == 1


def test_a_higher_app_may_import_a_lower_one():
    assert layering.check_source("messaging.services", "from rooms.models import ChatRoom\n") == []


def test_a_function_level_import_is_reported_even_when_the_layers_allow_it():
    source = "def f():\n    from safety import policy\n    return policy\n"

    found = layering.check_source("rooms.services", source)

    assert len(found) == 1 and "function-level" in found[0].reason


def test_an_import_guarded_by_try_is_reported():
    source = "try:\n    from uploads.services import media_kind\nexcept ImportError:\n    pass\n"

    found = layering.check_source("accounts.validators", source)

    assert len(found) == 1 and "inside try" in found[0].reason


def test_a_domain_module_may_not_import_an_entry_module_even_of_its_own_app():
    found = layering.check_source("rooms.services", "from rooms.serializers import RoomInput\n")

    assert len(found) == 1 and "entry module" in found[0].reason


def test_entry_modules_may_import_domain_code_of_any_app():
    source = "from messaging.selectors import presence_visible_to\n"

    assert layering.check_source("rooms.api", source) == []


def test_nobody_but_the_wiring_imports_the_wiring():
    assert layering.check_source("rooms.api", "from wya.urls import urlpatterns\n") != []
    assert layering.check_source("wya.urls", "from rooms import api\n") == []


def test_apps_may_import_their_signals_when_django_is_ready():
    source = "class Config:\n    def ready(self):\n        from accounts import signals\n"

    assert layering.check_source("accounts.apps", source) == []


def test_every_services_and_selectors_module_is_type_checked_in_ci():
    config = tomllib.loads((layering.ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    wanted = {
        f"{app}/{name}.py"
        for app in layering.PACKAGES
        for name in ("services", "selectors")
        if (layering.ROOT / app / f"{name}.py").exists() and app not in ("wya", "safety")
    }

    assert {"wya", "safety"} <= set(config["files"])
    assert wanted <= set(config["files"])
