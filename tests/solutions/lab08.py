"""Reference solutions and known-wrong answers for lab 08 (exercise id -> exercise cell source)."""

SOLUTIONS = {
    "08.retention_list": (
        "def retention_list(scored, n):\n"
        "    ranked = scored.assign(revenue_at_risk=scored[\"churn_probability\"] * scored[\"MonthlyCharges\"] * 12)\n"
        "    ranked = ranked.sort_values(\"revenue_at_risk\", ascending=False)\n"
        "    return ranked[[\"customerID\", \"churn_probability\", \"MonthlyCharges\", \"revenue_at_risk\"]].head(n)\n"
    ),
    "08.serving_mode": (
        "serving_mode = {\n"
        "    \"monthly retention campaign list for marketing\": \"batch\",\n"
        "    \"churn risk on the agent's screen while the customer is on the phone\": \"real-time\",\n"
        "    \"retention offer shown when a customer opens the 'cancel contract' web page\": \"real-time\",\n"
        "    \"quarterly revenue-at-risk report for the finance team\": \"batch\",\n"
        "}\n"
    ),
    "08.request_body": (
        "rows = batch[data.FEATURES].head(3)\n"
        "request_body = {\"dataframe_split\": {\"columns\": list(rows.columns), \"data\": rows.values.tolist()}}\n"
    ),
    "08.meets_slo": (
        "def meets_slo(latencies_ms, objective_ms=SLO_MS, percentile=95):\n"
        "    return bool(np.percentile(latencies_ms, percentile) <= objective_ms)\n"
    ),
}

WRONG = {
    # ranks by churn probability only: partial credit with a hint about revenue at risk
    "08.retention_list": (
        "def retention_list(scored, n):\n"
        "    return scored.sort_values(\"churn_probability\", ascending=False).head(n)\n"
    ),
    "08.serving_mode": (
        "serving_mode = {\n"
        "    \"monthly retention campaign list for marketing\": \"real-time\",\n"
        "    \"churn risk on the agent's screen while the customer is on the phone\": \"batch\",\n"
        "    \"retention offer shown when a customer opens the 'cancel contract' web page\": \"batch\",\n"
        "    \"quarterly revenue-at-risk report for the finance team\": \"real-time\",\n"
        "}\n"
    ),
    # sends the identifiers too: the endpoint would refuse the extra columns
    "08.request_body": (
        "rows = batch.head(3)\n"
        "request_body = {\"dataframe_split\": {\"columns\": list(rows.columns), \"data\": rows.values.tolist()}}\n"
    ),
    # judges by the mean latency
    "08.meets_slo": (
        "def meets_slo(latencies_ms, objective_ms=SLO_MS, percentile=95):\n"
        "    return bool(np.mean(latencies_ms) <= objective_ms)\n"
    ),
}
