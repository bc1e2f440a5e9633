import Bridge
print("nmap2mqtt")
