"""Reference solutions and known-wrong answers for lab 03 (exercise id -> exercise cell source)."""

SOLUTIONS = {
    "03.services_consistent": '''def services_consistent(df):
    """True for each row whose service columns agree with each other."""
    ok = (df["PhoneService"] == "No") == (df["MultipleLines"] == "No phone service")
    for addon in data.ADDONS:
        ok &= (df["InternetService"] == "No") == (df[addon] == "No internet service")
    return ok
''',
    "03.reconcile": '''silently_dropped = sorted(set(dirty.index) - set(legacy.index))
slipped_through = sorted(set(legacy.index) & set(result.quarantined.index))
reconcile = {"silently_dropped": silently_dropped, "slipped_through": slipped_through}
''',
    "03.mask_card": '''import re

def mask_card(text):
    """`text` with each card number replaced by '[CARD ending NNNN]' (its last four digits)."""
    return privacy.PII_PATTERNS["card"].sub(lambda m: "[CARD ending " + re.sub(r"\\D", "", m.group())[-4:] + "]", text)
''',
}

WRONG = {
    # One direction only: misses 'No internet service' on a customer with internet, and the phone conflicts.
    "03.services_consistent": '''def services_consistent(df):
    ok = df["InternetService"] == df["InternetService"]
    for addon in data.ADDONS:
        ok &= ~((df["InternetService"] == "No") & (df[addon] != "No internet service"))
    return ok
''',
    # The two lists swapped.
    "03.reconcile": '''silently_dropped = sorted(set(legacy.index) & set(result.quarantined.index))
slipped_through = sorted(set(dirty.index) - set(legacy.index))
reconcile = {"silently_dropped": silently_dropped, "slipped_through": slipped_through}
''',
    # Redacts the whole card: safe, but the call centre loses the last four digits.
    "03.mask_card": '''def mask_card(text):
    return privacy.mask_pii(text)
''',
}
