from . import database_down, main
