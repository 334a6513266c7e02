"""Public booking: the practice as the booking sees it (``practice.py``), availability
and the calendar cache, the booking service (lock, re-check, create), the OTP store and
notifications. The door is ``api/booking.py``; imports ``tenancy/`` and below."""
