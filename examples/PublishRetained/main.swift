import Mosquitto
print("placeholder")
