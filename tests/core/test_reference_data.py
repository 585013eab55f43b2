"""Reference data loaded by migrations (missions, staff roles) survives a flush.

A transactional test (browser, real worker) empties every table when it ends, then Django emits
post_migrate; without a handler, the missions were gone for every test that ran after it in random order.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts import roles
from associations.models import Mission


@pytest.mark.django_db(transaction=True)
def test_missions_and_roles_are_whole_again_after_a_flush():
    Mission.objects.filter(code=Mission.Code.MEDIATION).update(position=99)
    call_command("flush", "--noinput", verbosity=0)
    assert list(Mission.objects.values_list("code", "position")) == [
        (code, position) for position, code in enumerate(Mission.Code.values)
    ]
    assert Group.objects.filter(name=roles.REVIEWER).exists()
