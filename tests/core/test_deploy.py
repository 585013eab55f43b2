import os
import subprocess
import sys


def test_production_settings_pass_the_deploy_checks():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # set for browser tests only
        "SECRET_KEY": "p" * 30 + "-production-like-secret-key-" + "q" * 20,
        "ALLOWED_HOSTS": "dons.example.org",
        "DEBUG": "0",
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            "--settings=config.settings.production",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
