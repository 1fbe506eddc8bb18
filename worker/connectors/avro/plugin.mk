# The Avro family: io.confluent.connect.avro.AvroConverter. Links libcurl (the schema registry's
# REST API) and compiles the shared Avro code (worker/connectors/shared/avro) into the plugin.
avro_PKGS := libcurl
avro_CFLAGS := -I$(CONNECTORS_DIR)
AVRO_PLUGIN_SHARED := $(sort $(wildcard $(CONNECTORS_DIR)/shared/avro/*.c))
$(PLUGIN_BUILD)/avro/avro.so: $(patsubst $(CONNECTORS_DIR)/shared/avro/%.c,$(PLUGIN_BUILD)/avro/shared/%.o,$(AVRO_PLUGIN_SHARED))
$(PLUGIN_BUILD)/avro/shared/%.o: $(CONNECTORS_DIR)/shared/avro/%.c
	@mkdir -p $(dir $@)
	@echo "CC [plugin avro] $<"
	@$(CC) $(PLUGIN_CFLAGS) $(avro_CFLAGS) -MMD -MP -c -o $@ $<
