app_name = "curriculum"
urlpatterns: list[object] = []
