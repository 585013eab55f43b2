# French usage for hours: « 9h30 ».
TIME_FORMAT = "G\\hi"
