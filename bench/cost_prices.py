"""Public on-demand prices, us-east-1, USD, without free tiers (docs/cost.md states their date)."""

from __future__ import annotations

PRICES_DATE = "AWS public price pages for us-east-1 as last published before 2026-12-01 (no free tier)"

PRICES: dict[str, float] = {
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s_arm64": 0.0000133334,  # first 7.5 billion GB-s a month
    "lambda_gb_s_x86": 0.0000166667,
    "http_api_request": 1.00 / 1e6,  # first 300 million a month, per 512 KB
    "ws_message": 1.00 / 1e6,  # first billion a month, per 32 KB
    "ws_minute": 0.25 / 1e6,
    "dynamodb_wru": 0.625 / 1e6,  # on-demand, since the November 2024 price cut
    "dynamodb_rru": 0.125 / 1e6,
    "dynamodb_gb_month": 0.25,
    "s3_put": 0.005 / 1000,
    "s3_get": 0.0004 / 1000,
    "s3_gb_month": 0.023,
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB
    "sqs_fifo_request": 0.50 / 1e6,  # FIFO queue
    "logs_gb": 0.50,  # CloudWatch Logs standard ingestion
}
