"""What a process loads before its command runs: the API's supervisor and `hotline processes`
read the topology and the settings, never the rooms, the broker's client or the database's."""

from __future__ import annotations

import subprocess
import sys

import services.bootstrap as bootstrap

HEAVY = ("kafka", "psycopg", "fastapi", "projections", "services.intake", "services.triage",
         "services.notify", "services.bootstrap.processes")


def test_the_command_line_loads_no_room_before_a_command_runs():
    probe = ("import sys, services.cli.main as m; m.parser(lean=True); "
             f"print(','.join(h for h in {HEAVY!r}"
             " if any(k == h or k.startswith(h + '.') for k in sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""


def test_the_composition_root_loads_a_room_only_when_a_process_builds_it():
    probe = ("import sys; from services.bootstrap import Wiring, bootstrap_consumer, bootstrap_relay; "
             "import services.bootstrap.outboxes, services.common.kafka.relay; "
             "print(','.join(sorted({k.split('.')[1] for k in sys.modules if k.startswith('services.')"
             " and k.endswith('.application')})))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "", "a relay loads no room's application"


def test_every_name_of_the_composition_root_is_found_where_it_says():
    for name in bootstrap.__all__:
        assert getattr(bootstrap, name) is not None, name
    assert sorted(bootstrap.__all__) == sorted(bootstrap._MODULE_OF)
