"""The doors: the app's whitelisted endpoints (context, booking, appointments, billing,
privacy, sign-up, stats) and those that stand in for Frappe's and Healthcare's behind
the tenant wall (``desk.py``, ``healthcare.py``). May import every room; no room imports
them."""
