"""Scoring service: indicator systems, facts, rules, scores, grades and evaluations."""
