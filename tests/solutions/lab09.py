"""Reference solutions and known-wrong answers for lab 09 (exercise id -> exercise cell source)."""

SOLUTIONS = {
    "09.psi": '''def my_psi(reference, current):
    edges = np.quantile(reference, np.linspace(0, 1, 11))
    edges[0], edges[-1] = -np.inf, np.inf
    ref = np.histogram(reference, edges)[0] / len(reference)
    cur = np.histogram(current, edges)[0] / len(current)
    ref, cur = np.clip(ref, 1e-4, None), np.clip(cur, 1e-4, None)
    return float(np.sum((cur - ref) * np.log(cur / ref)))
''',
    "09.label_delay": 'first_visible = "2026-08"\n',
    "09.alert_threshold": "psi_alert = 0.25\n",
    "09.drift_types": '''drift_type = {
    "price rise": "data drift",
    "new sign-ups": "data drift",
    "competitor offer": "concept drift",
}
''',
}

WRONG = {
    # counts instead of shares: the classic slip
    "09.psi": '''def my_psi(reference, current):
    edges = np.quantile(reference, np.linspace(0, 1, 11))
    ref = np.histogram(reference, edges)[0] + 1
    cur = np.histogram(current, edges)[0] + 1
    return float(np.sum((cur - ref) * np.log(cur / ref)))
''',
    "09.label_delay": 'first_visible = "2026-07"\n',
    "09.alert_threshold": "psi_alert = 0.02\n",
    "09.drift_types": '''drift_type = {
    "price rise": "concept drift",
    "new sign-ups": "data drift",
    "competitor offer": "data drift",
}
''',
}
