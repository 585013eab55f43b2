"""Every write of the certificates app: creating, rendering, retrying, signing and sending certificates.

- ``handovers``: creation when allocations are confirmed, the generation state (``Handover.TRANSITIONS``,
  moved through ``core.transitions``), queueing renders, retries, and recording the signed handover (with
  refused units);
- ``rendering``: the PDF of one certificate (the worker's task), of several at once, and the periodic sweep;
- ``emails``: the signed certificate's email, written in core's outbox (``core.emails.notify``);
- ``signatures``: pure checks of the signature pads' PNGs and of scans signed on paper (no database).

The public names are re-exported here: callers import ``certificates.services``. A test that replaces a
function must patch the module that calls it (``certificates.services.rendering.html_to_pdf``).
"""

from certificates.services.emails import handover_email_signed
from certificates.services.handovers import (
    CERTIFIED,
    SWEEP_BATCH,
    TRANSITIONS,
    GenerateResult,
    certificate_number,
    handover_ensure_for_allocations,
    handover_record,
    handover_retry,
    handovers_generate_for_wave,
    pending_stuck_after,
    queue_options,
    queue_renders,
    rendering_stuck_after,
)
from certificates.services.rendering import (
    RenderError,
    RenderJob,
    build_certificate_pdf,
    handover_render,
    handovers_render_now,
    handovers_requeue_stuck,
    render_certificate_html,
)
from certificates.services.signatures import (
    MAX_SCAN_BYTES,
    MAX_SCAN_PAGES,
    MAX_SCAN_PIXELS,
    MAX_SCAN_SIDE,
    MAX_SIGNATURE_BYTES,
    MAX_SIGNATURE_SIDE,
    clean_scan,
    clean_signature,
    decode_data_url,
)

__all__ = [
    "CERTIFIED",
    "MAX_SCAN_BYTES",
    "MAX_SCAN_PAGES",
    "MAX_SCAN_PIXELS",
    "MAX_SCAN_SIDE",
    "MAX_SIGNATURE_BYTES",
    "MAX_SIGNATURE_SIDE",
    "SWEEP_BATCH",
    "TRANSITIONS",
    "GenerateResult",
    "RenderError",
    "RenderJob",
    "build_certificate_pdf",
    "certificate_number",
    "clean_scan",
    "clean_signature",
    "decode_data_url",
    "handover_email_signed",
    "handover_ensure_for_allocations",
    "handover_record",
    "handover_retry",
    "handovers_generate_for_wave",
    "handovers_render_now",
    "handovers_requeue_stuck",
    "handover_render",
    "pending_stuck_after",
    "queue_options",
    "queue_renders",
    "render_certificate_html",
    "rendering_stuck_after",
]
