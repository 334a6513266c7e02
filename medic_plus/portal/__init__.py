"""The patient portal (/patient): a patient signs in with a code sent to an e-mail address
or mobile number a practice holds for them, and sees each practice's record of them.
Who a session is and which records are theirs (``identity.py``; the rule is
``core/portal.py``), what the portal shows of them (``home.py``). The door is
``api/portal.py``; the request gate holds a portal session to the portal's own class of
methods. Imports ``booking/``, ``privacy/``, ``tenancy/`` and below."""
