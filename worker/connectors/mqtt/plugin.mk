# The MQTT family links Debian's libmosquitto (libmosquitto-dev, see hack/deps.sh).
mqtt_PKGS := libmosquitto
mqtt_SHARED := kcql
