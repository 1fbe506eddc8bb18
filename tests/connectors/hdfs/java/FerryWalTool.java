// An independent reader and writer of kafka-connect-hdfs write-ahead logs for Ferry's HDFS tests,
// written against Hadoop's own client (FileSystem over RPC, Text and WritableUtils for the
// WALEntry names), not against Ferry. The file is Confluent's WALFile: "WAL", version 0, 16 sync
// bytes; records int32 length, int32 key length, key and value Texts; a sync mark (int32 -1 and
// the 16 bytes) every 2,000 bytes and when a writer reopens the file; BEGIN/END marker records.
// Usage: java FerryWalTool <hdfs://nn:port> read <path>
//          prints each record: "BEGIN", "END" or "<temp>\t<committed>"; exit 1 on a bad file
//        java FerryWalTool <hdfs://nn:port> append <path> <temp> <committed> [<temp> <committed>..]
//          appends one batch as Confluent's FSWAL does (creating the file when there is none)
//        java FerryWalTool <hdfs://nn:port> read-append <path> <temp> <committed>..: both, in turn
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.DataInputBuffer;
import org.apache.hadoop.io.DataOutputBuffer;
import org.apache.hadoop.io.Text;

public final class FerryWalTool {
    private static final int SYNC_INTERVAL = 100 * 20;

    public static void main(String[] args) throws Exception {
        Configuration conf = new Configuration();
        conf.set("fs.defaultFS", args[0]);
        FileSystem fs = FileSystem.get(URI.create(args[0]), conf);
        Path p = new Path(args[2]);
        if (args[1].equals("read")) {
            read(fs, p);
        } else if (args[1].equals("read-append")) {
            read(fs, p);
            append(fs, p, Arrays.copyOfRange(args, 3, args.length));
        } else if (args[1].equals("append")) {
            append(fs, p, Arrays.copyOfRange(args, 3, args.length));
        } else {
            System.exit(2);
        }
    }

    static void read(FileSystem fs, Path p) throws IOException {
        long len = fs.getFileStatus(p).getLen();
        try (DataInputStream in = fs.open(p)) {
            byte[] magic = new byte[4];
            in.readFully(magic);
            if (magic[0] != 'W' || magic[1] != 'A' || magic[2] != 'L' || magic[3] != 0) {
                throw new IOException("not a WALFile version 0");
            }
            byte[] sync = new byte[16];
            byte[] check = new byte[16];
            in.readFully(sync);
            long pos = 20;
            while (pos < len) {
                int rl = in.readInt();
                pos += 4;
                if (rl == -1) {
                    in.readFully(check);
                    pos += 16;
                    if (!Arrays.equals(sync, check)) {
                        throw new IOException("sync mark at " + (pos - 20) + " differs");
                    }
                    continue;
                }
                int kl = in.readInt();
                byte[] rec = new byte[rl];
                in.readFully(rec);
                pos += 4 + rl;
                DataInputBuffer b = new DataInputBuffer();
                b.reset(rec, rl);
                String key = Text.readString(b);
                if (b.getPosition() != kl) {
                    throw new IOException("key read " + b.getPosition() + " bytes of " + kl);
                }
                String val = Text.readString(b);
                if (b.getPosition() != rl) {
                    throw new IOException("value ends at " + b.getPosition() + " of " + rl);
                }
                System.out.println(key.equals("BEGIN") || key.equals("END") ? key : key + "\t" + val);
            }
        } catch (EOFException e) {
            System.err.println("cut short: " + e);
            System.exit(1);
        }
    }

    static void append(FileSystem fs, Path p, String[] pairs) throws IOException {
        byte[] sync = new byte[16];
        long lastSync = 0;
        FSDataOutputStream out;
        if (fs.exists(p) && fs.getFileStatus(p).getLen() >= 20) {
            try (DataInputStream in = fs.open(p)) {
                in.readFully(new byte[4]);
                in.readFully(sync);
            }
            out = fs.append(p);
            out.writeInt(-1); // a reopening writer marks a sync first
            out.write(sync);
            lastSync = out.getPos();
        } else {
            new SecureRandom().nextBytes(sync);
            out = fs.create(p, true);
            out.write(new byte[] {'W', 'A', 'L', 0});
            out.write(sync);
        }
        String[] recs = new String[pairs.length + 4];
        recs[0] = "BEGIN";
        recs[1] = "";
        System.arraycopy(pairs, 0, recs, 2, pairs.length);
        recs[recs.length - 2] = "END";
        recs[recs.length - 1] = "";
        DataOutputBuffer buf = new DataOutputBuffer();
        for (int i = 0; i < recs.length; i += 2) {
            buf.reset();
            Text.writeString(buf, recs[i]);
            int kl = buf.getLength();
            Text.writeString(buf, recs[i + 1]);
            if (out.getPos() >= lastSync + SYNC_INTERVAL) {
                out.writeInt(-1);
                out.write(sync);
                lastSync = out.getPos();
            }
            out.writeInt(buf.getLength());
            out.writeInt(kl);
            out.write(buf.getData(), 0, buf.getLength());
            out.hsync();
        }
        out.close();
    }
}
