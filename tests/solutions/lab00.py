"""Reference solutions and known-wrong answers for lab 00 (exercise id -> exercise cell source)."""

SOLUTIONS = {
    "00.churn_rate": 'churn_rate = (customers["Churn"] == "Yes").mean()\n',
    "00.lead_persona": 'lead_persona = ["Data Steward", "Data Engineer"]\n',
    "00.yearly_value": "def yearly_value(monthly_charges):\n    return 12 * monthly_charges\n",
}

WRONG = {
    "00.churn_rate": 'churn_rate = (customers["Churn"] == "No").mean()\n',
    "00.lead_persona": 'lead_persona = ["Business Analyst"]\n',
    "00.yearly_value": "def yearly_value(monthly_charges):\n    return 10 * monthly_charges\n",
}
