/* libFuzzer target for the JKS reader (worker/src/kafka/jks.c), which turns the Java trust and key
 * stores named by ssl.truststore.location / ssl.keystore.location into certificates and keys for
 * librdkafka: arbitrary bytes are parsed with no password (no integrity check, so corrupt entries
 * reach the entry parser) and with the seed's password, and every private key entry is decrypted.
 * Nothing may crash or leak; a parse that fails leaves no entries. Seed: tests/fuzz/corpus/jks
 * (the keytool-made vector of tests/unit/jks_vector.h). */
#include "tls/jks.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const passwords[] = {NULL, "storepass"};
        char err[256];
        for (size_t p = 0; p < 2; p++) {
                ferry_jks_t ks;
                if (ferry_jks_parse(data, size, passwords[p], &ks, err, sizeof(err)) < 0) {
                        if (ks.n || ks.e)
                                abort();
                        continue;
                }
                for (size_t i = 0; i < ks.n; i++) {
                        unsigned char *der = NULL;
                        size_t len = 0;
                        if (ks.e[i].private_key &&
                            ferry_jks_key_decrypt(&ks.e[i], "keypass", &der, &len, err, sizeof(err)) == 0)
                                free(der);
                }
                ferry_jks_free(&ks);
        }
        return 0;
}
