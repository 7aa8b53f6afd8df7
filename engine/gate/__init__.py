"""The review gate: waivers, baselines, design diffs, and CI-native reports (SARIF, JUnit, GitHub, Markdown).

``core`` judges a review (:func:`engine.gate.core.evaluate`); the renderers take the resulting ``Gate``.
This package's ``__init__`` imports nothing, so that the CLI can load its options without the engine.
"""
