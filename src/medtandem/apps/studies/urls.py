app_name = "studies"
urlpatterns: list[object] = []
