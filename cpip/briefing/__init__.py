"""The quarterly briefing: ``briefing.json``/``annex.json`` composed from the marts, the publication
form's suppression, the key messages, charts, the HTML and PDF forms and the figures spreadsheets.
"""
