"""sociallisten: a streaming social-listening pipeline for Chinese social media."""

__version__ = "0.1.0"
