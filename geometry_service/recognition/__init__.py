"""Rule-based machining feature recognition, one feature family per module.

``geometric_fallback.recognize_features`` runs them in order; each module
claims the faces it recognizes so that the next one only sees what is left.
"""
