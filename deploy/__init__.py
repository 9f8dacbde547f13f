"""Deployment to AWS: the merge template, the per-function IAM policies and the packaging step.

Not part of the Lambda zip (Chalice packages `app.py` and `chalicelib/` only).
"""
