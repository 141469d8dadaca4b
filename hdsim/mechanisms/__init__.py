"""Mechanisms of the model, one module each: demography, labour, location, hukou, townships."""
