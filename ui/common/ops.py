"""One way to run storage work from the screens (as Anki's CollectionOp): the action runs; a
StoreError, or a questionnaire or rule pack that cannot be used, is logged once with its kind
and handed to the screen's own ``on_failure`` (the kiosk's front-desk notice, the staff status
line). Nothing else is caught here: an unexpected exception goes to the crash hook."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.store import StoreError

if TYPE_CHECKING:  # the questionnaire and rule modules load after the first paint, not with this one
    from kiosk.questionnaire import QuestionnaireError
    from kiosk.rules import RulePackError

    Failure = StoreError | QuestionnaireError | RulePackError
else:
    Failure = Exception

log = logging.getLogger("kiosk.ui")


def run(action: Callable[[], Any], on_failure: Callable[[Failure], None], where: str) -> bool:
    """True when ``action`` ran; False when it failed and ``on_failure`` was told."""
    try:
        action()
    except StoreError as exc:
        log.error("%s: storage problem (%s): %s", where, exc.kind, exc)
        on_failure(exc)
        return False
    except ValueError as exc:  # both configuration errors are ValueErrors; anything else goes on up
        from kiosk.questionnaire import QuestionnaireError
        from kiosk.rules import RulePackError

        if not isinstance(exc, (QuestionnaireError, RulePackError)):
            raise
        log.error("%s: configuration problem: %s", where, exc)
        on_failure(exc)
        return False
    return True
