"""Report service: evaluation reports and result notices as documents, made by jobs."""
