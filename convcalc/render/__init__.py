"""Renderers: take a Report, return text or a Rich renderable. Only the CLI prints."""
