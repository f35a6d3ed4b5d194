"""Structured JSON logs and EMF metrics (Powertools for AWS Lambda), shared by the whole app."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

SERVICE = "tether"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Tether", service=SERVICE)
