"""Reference solutions and known-wrong answers for lab 04 (exercise id -> exercise cell source)."""

SOLUTIONS = {
    "04.preprocessor": '''preprocessor = Pipeline([
    ("features", FeatureEngineer()),
    ("encode", ColumnTransformer([
        ("numeric", StandardScaler(), NUMERIC),
        ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CATEGORICAL),
    ], verbose_feature_names_out=False)),
])
''',
    "04.leaky_feature": 'leaky_feature = "RefundAmount"\n',
    "04.split_by_time": '''def split_by_time(df, test_months=3):
    months = sorted(df["month"].unique())
    cutoff = months[-test_months]
    return df[df["month"] < cutoff], df[df["month"] >= cutoff]
''',
}

WRONG = {
    # no scaling, and an encoder that fails on a category it has never seen
    "04.preprocessor": '''preprocessor = Pipeline([
    ("features", FeatureEngineer()),
    ("encode", ColumnTransformer([
        ("numeric", "passthrough", NUMERIC),
        ("categorical", OneHotEncoder(sparse_output=False), CATEGORICAL),
    ], verbose_feature_names_out=False)),
])
''',
    # a strong predictor, but known before churn
    "04.leaky_feature": 'leaky_feature = "Contract"\n',
    # a random split
    "04.split_by_time": '''def split_by_time(df, test_months=3):
    test = df.sample(frac=test_months / 12, random_state=0)
    return df.drop(test.index), test
''',
}
