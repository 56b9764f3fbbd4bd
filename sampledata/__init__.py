"""Sample data: the demo insurer (`make run`) and the million-complaint benchmark
generator (`make bench`). Never part of what runs an insurer's complaints."""
