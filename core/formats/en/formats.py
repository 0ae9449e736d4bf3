# What a date input shows and the admin's calendar writes; ``core.dates`` reads only this form.
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
