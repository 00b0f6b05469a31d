"""Test-session set-up shared by the unit tests, nbval and the exercise harness: see tests/helpers/notebook_session.py
(warm kernels, one thread each, a fresh MLflow store per notebook). Helpers shared by tests live in tests/helpers/
(on pytest's pythonpath)."""

pytest_plugins = ["notebook_session"]
