TIME_FORMAT = "g:i A"
