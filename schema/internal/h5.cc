#include "schema/internal/h5.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>

#include "common/error.h"
#include "common/hash.h"
#include "schema/trial_schema.h"

namespace dts::schema::internal {
namespace {

// HDF5's innermost error description, e.g. "truncated file: eof = 1024, ...": the one line that tells a user
// what is wrong with the file. Must run before the next HDF5 call clears the stack.
std::string Hdf5Message() {
  std::string message;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* error, void* data) -> herr_t {
        auto* out = static_cast<std::string*>(data);
        if (error->desc != nullptr && error->desc[0] != '\0') *out = error->desc;
        return 0;
      },
      &message);
  H5Eclear2(H5E_DEFAULT);
  return message;
}

Handle VariableString() {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  return type;
}

// Raw data is checksummed per chunk; a checkpoint blob is cut into chunks of at most this many bytes (a
// smaller blob is one chunk of its own size, so a tiny model does not occupy a whole chunk on disk).
constexpr hsize_t kBlobChunkBytes = hsize_t{1} << 20;
// Rows per chunk of a compound table, elements per chunk of a string list.
constexpr hsize_t kTableChunkRows = 64;
constexpr hsize_t kStringChunkElements = 256;
// The longest key of /text_checksums a reader accepts.
constexpr std::size_t kMaxTextKeyBytes = 64 * 1024;
// Growth step of the in-memory image of a file being written.
constexpr std::size_t kImageIncrement = std::size_t{4} << 20;

// The creation list of every dataset dts writes: chunked, with HDF5's Fletcher32 checksum over each chunk,
// so that reading damaged raw data fails (HDF5 checksums only metadata on its own). Files written before
// the filter have unfiltered or contiguous datasets; reading needs nothing from this list, so they still
// read.
Handle ChecksummedChunks(const File& file, hsize_t chunk, const char* name) {
  Handle dcpl(file.Check(H5Pcreate(H5P_DATASET_CREATE), "property list"));
  file.Check(H5Pset_chunk(dcpl, 1, &chunk), std::string("chunking of ") + name);
  file.Check(H5Pset_fletcher32(dcpl), std::string("checksum filter of ") + name);
  return dcpl;
}

// The HDF5 path of an open object, "/" for the file itself: with an attribute's or a column's name, the key
// of a text checksum. Writer and reader derive it from the object alike, so the key needs no caller's help.
std::string ObjectPath(const File& file, hid_t obj) {
  if (H5Iget_type(obj) == H5I_FILE) return "/";
  const ssize_t n = H5Iget_name(obj, nullptr, 0);
  if (n <= 0) file.Fail("cannot name an object");
  std::string name(static_cast<std::size_t>(n) + 1, '\0');
  H5Iget_name(obj, name.data(), name.size());
  name.resize(static_cast<std::size_t>(n));
  return name;
}

std::string AttributeKey(const File& file, hid_t obj, const char* name) {
  return ObjectPath(file, obj) + "@" + name;
}

// A list of strings (a string dataset, a table's column): its count, then each string.
class TextChecksum {
 public:
  explicit TextChecksum(std::size_t n) { hasher_.Add(static_cast<std::uint64_t>(n)); }
  void Add(const char* text) { hasher_.Add(std::string_view(text != nullptr ? text : "")); }
  std::uint64_t Value() const { return hasher_.Value(); }

 private:
  Hasher hasher_;
};

std::uint64_t ChecksumOf(const std::string& text) {
  TextChecksum sum(1);
  sum.Add(text.c_str());
  return sum.Value();
}

Handle FileAccessList() {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  // Strong close: H5Fclose really closes (and flushes) the file even if an object id leaked, so the fsync
  // and rename that follow see the complete file.
  H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
  // The 1.8 format has checksummed metadata (superblock v2, object header v2), so corruption is detected as
  // an error rather than read as garbage, and allows attributes larger than 64 KiB (long config texts).
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
  // No HDF5 file locks: HDF5 1.10 flock()s every file it opens, and on cluster file systems without flock
  // (NFSv3 without statd: ENOLCK; Lustre mounted noflock: ENOSYS) every open then fails. dts never needs
  // them: files are written whole under a temporary name and renamed, and one writer per trial file is the
  // sweep's own lock and lease (docs/orchestrator.md, "One writer per trial file").
  H5Pset_file_locking(fapl, /*use_file_locking=*/false, /*ignore_when_disabled=*/true);
  return fapl;
}

void FsyncPath(const std::string& path, const std::string& shown, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) throw IoError(shown, std::string("cannot open for fsync: ") + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw IoError(shown, std::string("fsync failed: ") + std::strerror(err));
}

// Writes `bytes` to `path` (created or truncated), fsyncs and closes it; errors (ENOSPC, EFBIG, EIO) name
// `shown` and `path`.
void WriteWholeFile(const std::string& path, const std::string& shown, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw IoError(shown, "cannot create " + path + ": " + std::strerror(errno));
  const auto fail = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    throw IoError(shown, std::string(what) + " " + path + ": " + std::strerror(err));
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write");
    if (n == 0) {
      errno = ENOSPC;
      fail("cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail("fsync failed for");
  if (::close(fd) != 0) throw IoError(shown, "cannot close " + path + ": " + std::strerror(errno));
}

}  // namespace

void SilenceHdf5Errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    Close();
    id_ = other.id_;
    other.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::Close() noexcept {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      H5Fclose(id_);
      break;
    case H5I_GROUP:
      H5Gclose(id_);
      break;
    case H5I_DATASET:
      H5Dclose(id_);
      break;
    case H5I_ATTR:
      H5Aclose(id_);
      break;
    case H5I_DATATYPE:
      H5Tclose(id_);
      break;
    case H5I_DATASPACE:
      H5Sclose(id_);
      break;
    case H5I_GENPROP_LST:
      H5Pclose(id_);
      break;
    default:
      H5Idec_ref(id_);
      break;
  }
  id_ = H5I_INVALID_HID;
}

MemoryImage::~MemoryImage() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

void* MemoryImage::Realloc(void* ptr, std::size_t size, H5FD_file_image_op_t /*op*/, void* udata) {
  auto* image = static_cast<MemoryImage*>(udata);
  // The core driver has one buffer per file, so `ptr` is null (a first allocation) or this image's.
  if ((ptr != nullptr && ptr != image->data_) || size == 0) return nullptr;
  void* grown = ptr == nullptr
                    ? ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                    : ::mremap(ptr, image->size_, size, MREMAP_MAYMOVE);
  if (grown == MAP_FAILED) return nullptr;
  image->data_ = grown;
  image->size_ = size;
  return grown;
}

herr_t MemoryImage::Free(void* ptr, H5FD_file_image_op_t op, void* udata) {
  auto* image = static_cast<MemoryImage*>(udata);
  if (ptr == nullptr) return 0;
  if (ptr != image->data_) {
    std::free(ptr);  // NOLINT(cppcoreguidelines-no-malloc): a buffer HDF5 allocated itself, not the image
    return 0;
  }
  if (op == H5FD_FILE_IMAGE_OP_FILE_CLOSE) {
    image->closed_ = true;  // kept: the file's bytes, unmapped by ~MemoryImage
    return 0;
  }
  ::munmap(image->data_, image->size_);
  image->data_ = nullptr;
  image->size_ = 0;
  return 0;
}

std::string_view MemoryImage::Bytes(const std::string& path) const {
  // Superblock version 2 or 3 at offset 0 (no user block; the 1.8 format): signature (8 bytes), version,
  // sizes of offsets and lengths, flags, base address, extension address, then the end-of-file address.
  static constexpr char kSignature[] = "\x89HDF\r\n\x1a\n";
  constexpr std::size_t kEofOffset = 28;
  const auto* bytes = static_cast<const unsigned char*>(data_);
  if (!closed_ || data_ == nullptr || size_ < kEofOffset + 8 || std::memcmp(bytes, kSignature, 8) != 0 ||
      (bytes[8] != 2 && bytes[8] != 3) || bytes[9] != 8) {
    throw IoError(path, "HDF5 did not produce a complete in-memory file");
  }
  std::uint64_t eof = 0;
  for (int i = 7; i >= 0; --i) eof = (eof << 8) | bytes[kEofOffset + static_cast<std::size_t>(i)];
  if (eof == 0 || eof > size_) throw IoError(path, "in-memory file with a bad end-of-file address");
  return {static_cast<const char*>(data_), static_cast<std::size_t>(eof)};
}

File File::CreateInMemory(const std::string& path, MemoryImage& image) {
  SilenceHdf5Errors();
  Handle fapl = FileAccessList();
  H5FD_file_image_callbacks_t callbacks{};
  callbacks.image_realloc = &MemoryImage::Realloc;
  callbacks.image_free = &MemoryImage::Free;
  // The property list is copied with the udata pointer itself: every copy refers to `image`.
  callbacks.udata_copy = [](void* udata) { return udata; };
  callbacks.udata_free = [](void*) -> herr_t { return 0; };
  callbacks.udata = &image;
  if (H5Pset_fapl_core(fapl, kImageIncrement, /*backing_store=*/false) < 0 ||
      H5Pset_file_image_callbacks(fapl, &callbacks) < 0) {
    throw IoError(path, "cannot set up an in-memory HDF5 file: " + Hdf5Message());
  }
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  if (id < 0) throw IoError(path, "cannot create in memory: " + Hdf5Message());
  return File(path, Handle(id));
}

File File::OpenChecked(const std::string& path, const char* format, int schema_version) {
  SilenceHdf5Errors();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw IoError(path, "no such file");
  if (!std::filesystem::is_regular_file(path, ec)) throw IoError(path, "not a regular file");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 <= 0) {
    const std::string why = Hdf5Message();
    throw IoError(path, is_hdf5 == 0 ? "not an HDF5 file" : "cannot read: " + why);
  }
  Handle fapl = FileAccessList();
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl);
  if (id < 0) throw IoError(path, "corrupt or truncated HDF5 file: " + Hdf5Message());
  File file(path, Handle(id));
  if (H5Aexists(file.root(), kFormatAttr) <= 0) {
    file.Fail(std::string("not a dts file (no '") + kFormatAttr + "' attribute; expected " + format + ")");
  }
  const std::string actual = file.ReadString(file.root(), kFormatAttr, "/");
  if (actual != format) file.Fail("is a " + actual + " file, expected " + format);
  const std::int64_t version = file.ReadInt64(file.root(), kSchemaVersionAttr, "/");
  if (version != schema_version) {
    file.Fail("schema_version " + std::to_string(version) + ", this build reads " +
              std::to_string(schema_version));
  }
  file.LoadTextChecksums();
  file.ReadString(file.root(), kFormatAttr, "/");  // read before the checksums were loaded: verified now
  return file;
}

void File::LoadTextChecksums() {
  const std::string where = std::string("/") + kTextChecksumsDataset;
  const htri_t exists = H5Lexists(root(), kTextChecksumsDataset, H5P_DEFAULT);
  Check(exists, "cannot look up " + where);
  if (exists == 0) return;  // written before text checksums: read unverified
  std::size_t object_size = 0;
  {
    Handle dataset(
        Check(H5Dopen2(root(), kTextChecksumsDataset, H5P_DEFAULT), "cannot open dataset " + where));
    Handle type(Check(H5Dget_type(dataset), "type of " + where));
    const int member =
        H5Tget_class(type) == H5T_COMPOUND ? H5Tget_member_index(type, text_checksum_field::kObject) : -1;
    if (member < 0) Fail(where + " has no column '" + text_checksum_field::kObject + "'");
    Handle object_type(Check(H5Tget_member_type(type, static_cast<unsigned>(member)), "type of " + where));
    if (H5Tget_class(object_type) != H5T_STRING || H5Tis_variable_str(object_type) != 0)
      Fail(where + ": column '" + text_checksum_field::kObject + "' is not a fixed-length string");
    object_size = H5Tget_size(object_type);
    // A key is an HDF5 path and a name; a larger size is a damaged or foreign table, not one to allocate for.
    if (object_size == 0 || object_size > kMaxTextKeyBytes)
      Fail(where + ": column '" + text_checksum_field::kObject + "' of " + std::to_string(object_size) +
           " bytes");
  }
  // The keys are fixed-length strings, stored inside the table's checksummed chunks like its numbers.
  const std::size_t row_size = object_size + sizeof(std::uint64_t);
  Handle memtype(Check(H5Tcreate(H5T_COMPOUND, row_size), "compound type"));
  Handle object_type(Check(H5Tcopy(H5T_C_S1), "string type"));
  Check(H5Tset_size(object_type, object_size), "string type");
  Check(H5Tinsert(memtype, text_checksum_field::kObject, 0, object_type), "compound type");
  Check(H5Tinsert(memtype, text_checksum_field::kChecksum, object_size, H5T_NATIVE_UINT64), "compound type");
  std::vector<unsigned char> rows;
  const std::size_t n = ReadTable(root(), kTextChecksumsDataset, where, memtype, rows, row_size);
  for (std::size_t i = 0; i < n; ++i) {
    const auto* row = reinterpret_cast<const char*>(rows.data() + i * row_size);
    std::uint64_t checksum = 0;
    std::memcpy(&checksum, row + object_size, sizeof(checksum));
    text_checksums_[std::string(row, strnlen(row, object_size))] = checksum;
  }
  text_verified_ = true;
}

void File::WriteTextChecksums() const {
  std::size_t longest = 0;
  for (const auto& [key, checksum] : text_checksums_) longest = std::max(longest, key.size());
  const std::size_t object_size = longest + 1;  // NUL-terminated
  const std::size_t row_size = object_size + sizeof(std::uint64_t);
  Handle type(Check(H5Tcreate(H5T_COMPOUND, row_size), "compound type"));
  Handle object_type(Check(H5Tcopy(H5T_C_S1), "string type"));
  Check(H5Tset_size(object_type, object_size), "string type");
  Check(H5Tinsert(type, text_checksum_field::kObject, 0, object_type), "compound type");
  Check(H5Tinsert(type, text_checksum_field::kChecksum, object_size, H5T_NATIVE_UINT64), "compound type");
  std::vector<unsigned char> rows(text_checksums_.size() * row_size, 0);
  std::size_t i = 0;
  for (const auto& [key, checksum] : text_checksums_) {
    unsigned char* row = rows.data() + i++ * row_size;
    std::memcpy(row, key.data(), key.size());
    std::memcpy(row + object_size, &checksum, sizeof(checksum));
  }
  WriteTable(root(), kTextChecksumsDataset, type, rows.data(), text_checksums_.size());
}

void File::RecordText(const std::string& key, std::uint64_t checksum) const {
  text_checksums_[key] = checksum;
}

void File::VerifyText(const std::string& key, std::uint64_t checksum, const std::string& where) const {
  if (!text_verified_) return;
  const auto it = text_checksums_.find(key);
  if (it == text_checksums_.end())
    Fail("damaged data in " + where + ": no checksum of its text in /" + kTextChecksumsDataset);
  if (it->second != checksum)
    Fail("damaged data in " + where + ": its text does not match its checksum in /" + kTextChecksumsDataset);
}

std::map<std::string, std::uint64_t> File::ColumnChecksums(hid_t memtype, const void* rows,
                                                           std::size_t n) const {
  std::map<std::string, std::uint64_t> sums;
  const int members = H5Tget_nmembers(memtype);
  Check(members, "compound type");
  const std::size_t row_size = H5Tget_size(memtype);
  for (int i = 0; i < members; ++i) {
    const auto index = static_cast<unsigned>(i);
    if (H5Tget_member_class(memtype, index) != H5T_STRING) continue;
    Handle type(Check(H5Tget_member_type(memtype, index), "compound type"));
    if (H5Tis_variable_str(type) <= 0) continue;  // fixed-length text sits in the checksummed chunks
    char* name = H5Tget_member_name(memtype, index);
    const std::string member = name != nullptr ? name : "";
    H5free_memory(name);
    const std::size_t offset = H5Tget_member_offset(memtype, index);
    TextChecksum sum(n);
    for (std::size_t r = 0; r < n; ++r) {
      const char* text = nullptr;
      std::memcpy(&text, static_cast<const unsigned char*>(rows) + r * row_size + offset, sizeof(text));
      sum.Add(text);
    }
    sums[member] = sum.Value();
  }
  return sums;
}

void File::Close() {
  if (file_.get() < 0) return;
  // Released first: a failed close must not be retried by the destructor.
  if (H5Fclose(file_.Release()) < 0) Fail("close");
}

hid_t File::Check(hid_t status, const std::string& what) const {
  if (status < 0) Fail(what);
  return status;
}

void File::Fail(const std::string& what) const {
  const std::string hdf = Hdf5Message();
  throw IoError(path_, hdf.empty() ? what : what + ": " + hdf);
}

void File::FailRead(const std::string& where, const char* hint) const {
  const std::string hdf = Hdf5Message();
  // A chunk whose Fletcher32 checksum does not match: its bytes changed after they were written.
  if (hdf.find("checksum") != std::string::npos)
    throw IoError(path_, "damaged data in " + where + ": " + hdf);
  throw IoError(path_, "cannot read " + where + hint + (hdf.empty() ? "" : ": " + hdf));
}

Handle File::CreateGroup(hid_t parent, const char* name) const {
  return Handle(Check(H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      std::string("cannot create group ") + name));
}

Handle File::OpenGroup(hid_t parent, const char* name, const std::string& where) const {
  if (!Exists(parent, name)) Fail("missing group " + where);
  return Handle(Check(H5Gopen2(parent, name, H5P_DEFAULT), "cannot open group " + where));
}

bool File::Exists(hid_t parent, const char* name) const {
  // Attributes and links live in different namespaces; callers ask for the one they mean.
  const htri_t link = H5Lexists(parent, name, H5P_DEFAULT);
  if (link < 0) Fail(std::string("cannot look up ") + name);
  if (link > 0) return true;
  const htri_t attr = H5Aexists(parent, name);
  if (attr < 0) Fail(std::string("cannot look up ") + name);
  return attr > 0;
}

namespace {
template <class T>
void WriteScalar(const File& file, hid_t obj, const char* name, hid_t file_type, hid_t mem_type,
                 const T& value) {
  Handle space(file.Check(H5Screate(H5S_SCALAR), "dataspace"));
  Handle attr(file.Check(H5Acreate2(obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT),
                         std::string("cannot create attribute ") + name));
  file.Check(H5Awrite(attr, mem_type, &value), std::string("cannot write attribute ") + name);
}

Handle OpenAttr(const File& file, hid_t obj, const char* name, const std::string& where) {
  const htri_t exists = H5Aexists(obj, name);
  if (exists < 0) file.Fail(std::string("cannot look up attribute ") + name + " on " + where);
  if (exists == 0) file.Fail(std::string("missing attribute '") + name + "' on " + where);
  return Handle(file.Check(H5Aopen(obj, name, H5P_DEFAULT), std::string("cannot open attribute ") + name));
}

template <class T>
T ReadNumber(const File& file, hid_t obj, const char* name, const std::string& where, hid_t mem_type) {
  Handle attr = OpenAttr(file, obj, name, where);
  Handle type(file.Check(H5Aget_type(attr), "attribute type"));
  const H5T_class_t cls = H5Tget_class(type);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
    file.Fail(std::string("attribute '") + name + "' on " + where + " is not a number");
  }
  T value{};
  file.Check(H5Aread(attr, mem_type, &value), std::string("cannot read attribute ") + name + " on " + where);
  return value;
}
}  // namespace

void File::WriteString(hid_t obj, const char* name, const std::string& value) const {
  Handle type = VariableString();
  const char* text = value.c_str();
  WriteScalar(*this, obj, name, type, type, text);
  RecordText(AttributeKey(*this, obj, name), ChecksumOf(value));
}

void File::WriteInt64(hid_t obj, const char* name, std::int64_t value) const {
  WriteScalar(*this, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, value);
}

void File::WriteUInt64(hid_t obj, const char* name, std::uint64_t value) const {
  WriteScalar(*this, obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, value);
}

void File::WriteDouble(hid_t obj, const char* name, double value) const {
  WriteScalar(*this, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, value);
}

std::string File::ReadString(hid_t obj, const char* name, const std::string& where) const {
  Handle attr = OpenAttr(*this, obj, name, where);
  Handle type(Check(H5Aget_type(attr), "attribute type"));
  if (H5Tget_class(type) != H5T_STRING)
    Fail(std::string("attribute '") + name + "' on " + where + " is not a string");
  const htri_t is_variable = H5Tis_variable_str(type);
  Check(is_variable, "attribute type");
  if (is_variable > 0) {
    Handle mem = VariableString();
    char* text = nullptr;
    Check(H5Aread(attr, mem, &text), std::string("cannot read attribute ") + name + " on " + where);
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    VerifyText(AttributeKey(*this, obj, name), ChecksumOf(value),
               std::string("attribute '") + name + "' on " + where);
    return value;
  }
  // Fixed-length strings, as other tools (h5py with numpy bytes) may write them.
  const std::size_t size = H5Tget_size(type);
  std::string value(size, '\0');
  Check(H5Aread(attr, type, value.data()), std::string("cannot read attribute ") + name + " on " + where);
  value.resize(std::strlen(value.c_str()));
  return value;
}

std::int64_t File::ReadInt64(hid_t obj, const char* name, const std::string& where) const {
  return ReadNumber<std::int64_t>(*this, obj, name, where, H5T_NATIVE_INT64);
}

std::uint64_t File::ReadUInt64(hid_t obj, const char* name, const std::string& where) const {
  return ReadNumber<std::uint64_t>(*this, obj, name, where, H5T_NATIVE_UINT64);
}

double File::ReadDouble(hid_t obj, const char* name, const std::string& where) const {
  return ReadNumber<double>(*this, obj, name, where, H5T_NATIVE_DOUBLE);
}

std::vector<std::string> File::AttributeNames(hid_t obj, const std::string& where) const {
  std::vector<std::string> names;
  hsize_t index = 0;
  const herr_t rc = H5Aiterate2(
      obj, H5_INDEX_NAME, H5_ITER_INC, &index,
      [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
      },
      &names);
  Check(rc, "cannot list attributes of " + where);
  return names;
}

void File::WriteTable(hid_t parent, const char* name, hid_t memtype, const void* rows, std::size_t n) const {
  const hsize_t dims[1] = {n};
  const hsize_t max_dims[1] = {H5S_UNLIMITED};
  Handle space(Check(H5Screate_simple(1, dims, max_dims), "dataspace"));
  // Chunked (also a requirement of an unlimited dimension, so a writer may grow a table in place).
  Handle dcpl = ChecksummedChunks(*this, kTableChunkRows, name);
  Handle dataset(Check(H5Dcreate2(parent, name, memtype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                       std::string("cannot create dataset ") + name));
  if (n > 0) {
    Check(H5Dwrite(dataset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows),
          std::string("cannot write dataset ") + name);
  }
  const std::string path = ObjectPath(*this, dataset);
  for (const auto& [member, checksum] : ColumnChecksums(memtype, rows, n))
    RecordText(path + "#" + member, checksum);
}

std::size_t File::ReadTable(hid_t parent, const char* name, const std::string& where, hid_t memtype,
                            std::vector<unsigned char>& out, std::size_t row_size) const {
  if (H5Lexists(parent, name, H5P_DEFAULT) <= 0) Fail("missing dataset " + where);
  Handle dataset(Check(H5Dopen2(parent, name, H5P_DEFAULT), "cannot open dataset " + where));
  Handle space(Check(H5Dget_space(dataset), "dataspace of " + where));
  if (H5Sget_simple_extent_ndims(space) != 1) Fail(where + " is not a 1-D table");
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  Check(static_cast<hid_t>(n), "size of " + where);
  out.assign(static_cast<std::size_t>(n) * row_size, 0);
  if (n > 0) {
    if (H5Dread(dataset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
      FailRead(where, " (missing or mistyped column?)");
  }
  if (text_verified_) {
    const std::string path = ObjectPath(*this, dataset);
    try {
      for (const auto& [member, checksum] : ColumnChecksums(memtype, out.data(), static_cast<std::size_t>(n)))
        VerifyText(path + "#" + member, checksum, where + " (column '" + member + "')");
    } catch (...) {
      ReclaimStrings(memtype, out, static_cast<std::size_t>(n));  // the caller reclaims only what it gets
      out.clear();
      throw;
    }
  }
  return static_cast<std::size_t>(n);
}

void File::ReclaimStrings(hid_t memtype, std::vector<unsigned char>& rows, std::size_t n) const {
  if (n == 0) return;
  const hsize_t dims[1] = {n};
  Handle space(Check(H5Screate_simple(1, dims, nullptr), "dataspace"));
  H5Dvlen_reclaim(memtype, space, H5P_DEFAULT, rows.data());
}

void File::WriteStrings(hid_t parent, const char* name, const std::vector<std::string>& values) const {
  Handle type = VariableString();
  const hsize_t dims[1] = {values.size()};
  const hsize_t max_dims[1] = {H5S_UNLIMITED};
  Handle space(Check(H5Screate_simple(1, dims, max_dims), "dataspace"));
  // The one dataset without the checksum filter: HDF5 refuses filters on a variable-length string dataset
  // ("not suitable for filters"), and the strings' text lives in the global heap, which HDF5 does not
  // checksum either; /text_checksums covers it instead (docs/hdf5-schema.md).
  Handle dcpl(Check(H5Pcreate(H5P_DATASET_CREATE), "property list"));
  Check(H5Pset_chunk(dcpl, 1, &kStringChunkElements), std::string("chunking of ") + name);
  Handle dataset(Check(H5Dcreate2(parent, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                       std::string("cannot create dataset ") + name));
  TextChecksum sum(values.size());
  for (const auto& v : values) sum.Add(v.c_str());
  RecordText(ObjectPath(*this, dataset), sum.Value());
  if (values.empty()) return;
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : values) pointers.push_back(v.c_str());
  Check(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
        std::string("cannot write dataset ") + name);
}

std::vector<std::string> File::ReadStrings(hid_t parent, const char* name, const std::string& where) const {
  if (H5Lexists(parent, name, H5P_DEFAULT) <= 0) Fail("missing dataset " + where);
  Handle dataset(Check(H5Dopen2(parent, name, H5P_DEFAULT), "cannot open dataset " + where));
  Handle space(Check(H5Dget_space(dataset), "dataspace of " + where));
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  Check(static_cast<hid_t>(n), "size of " + where);
  std::vector<std::string> values;
  TextChecksum sum(static_cast<std::size_t>(n));
  if (n > 0) {
    Handle type = VariableString();
    std::vector<char*> pointers(static_cast<std::size_t>(n), nullptr);
    if (H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0) FailRead(where, "");
    values.reserve(pointers.size());
    for (char* p : pointers) {
      sum.Add(p);
      values.emplace_back(p != nullptr ? p : "");
    }
    H5Dvlen_reclaim(type, space, H5P_DEFAULT, pointers.data());
  }
  VerifyText(ObjectPath(*this, dataset), sum.Value(), where);
  return values;
}

namespace {
// The dataset of a byte blob of `size` bytes: chunks of at most kBlobChunkBytes, each checksummed.
Handle CreateBytesDataset(const File& file, hid_t parent, const char* name, hsize_t size) {
  const hsize_t dims[1] = {size};
  const hsize_t max_dims[1] = {H5S_UNLIMITED};  // lets an empty blob have a chunk size
  Handle space(file.Check(H5Screate_simple(1, dims, max_dims), "dataspace"));
  const hsize_t chunk = std::clamp<hsize_t>(size, 1, kBlobChunkBytes);
  Handle dcpl = ChecksummedChunks(file, chunk, name);
  return Handle(file.Check(H5Dcreate2(parent, name, H5T_STD_U8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                           std::string("cannot create dataset ") + name));
}
}  // namespace

void File::WriteBytes(hid_t parent, const char* name, const std::string& bytes) const {
  Handle dataset = CreateBytesDataset(*this, parent, name, bytes.size());
  if (bytes.empty()) return;
  Check(H5Dwrite(dataset, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()),
        std::string("cannot write dataset ") + name);
}

void File::WriteProducedBytes(hid_t parent, const char* name, std::uint64_t size,
                              const std::function<void(const ByteSink&)>& produce) const {
  Handle dataset = CreateBytesDataset(*this, parent, name, size);
  Handle file_space(Check(H5Dget_space(dataset), std::string("dataspace of ") + name));
  // Whole chunks at a time: HDF5 then never reads a chunk back to complete it.
  std::vector<char> chunk(static_cast<std::size_t>(std::clamp<hsize_t>(size, 1, kBlobChunkBytes)));
  std::size_t filled = 0;
  hsize_t written = 0;
  const auto write_chunk = [&] {
    const hsize_t start[1] = {written}, count[1] = {filled};
    Check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr),
          std::string("selection in dataset ") + name);
    Handle memory_space(Check(H5Screate_simple(1, count, nullptr), "dataspace"));
    Check(H5Dwrite(dataset, H5T_NATIVE_UINT8, memory_space, file_space, H5P_DEFAULT, chunk.data()),
          std::string("cannot write dataset ") + name);
    written += filled;
    filled = 0;
  };
  std::uint64_t produced = 0;
  // A failed write is kept for after `produce` returns: the producer may call the sink from C code
  // (LibTorch's zip writer), which an exception must not unwind.
  std::exception_ptr write_error;
  produce([&](const char* data, std::size_t n) {
    produced += n;
    if (produced > size || write_error) return;  // reported below, once the producer is done
    try {
      while (n > 0) {
        const std::size_t take = std::min(n, chunk.size() - filled);
        std::memcpy(chunk.data() + filled, data, take);
        filled += take;
        data += take;
        n -= take;
        if (filled == chunk.size()) write_chunk();
      }
    } catch (...) {
      write_error = std::current_exception();
    }
  });
  if (write_error) std::rethrow_exception(write_error);
  if (produced != size)
    Fail("dataset " + std::string(name) + ": " + std::to_string(produced) + " bytes produced, " +
         std::to_string(size) + " announced");
  if (filled > 0) write_chunk();
}

void File::CopyObject(hid_t source_parent, const char* name, hid_t parent) const {
  Check(H5Ocopy(source_parent, name, parent, name, H5P_DEFAULT, H5P_DEFAULT),
        std::string("cannot copy ") + name + " from the previous file");
}

std::uint64_t File::BytesSize(hid_t parent, const char* name, const std::string& where) const {
  Handle dataset(Check(H5Dopen2(parent, name, H5P_DEFAULT), "cannot open dataset " + where));
  Handle space(Check(H5Dget_space(dataset), "dataspace of " + where));
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  Check(static_cast<hid_t>(n), "size of " + where);
  return static_cast<std::uint64_t>(n);
}

std::string File::ReadBytes(hid_t parent, const char* name, const std::string& where) const {
  Handle dataset(Check(H5Dopen2(parent, name, H5P_DEFAULT), "cannot open dataset " + where));
  Handle space(Check(H5Dget_space(dataset), "dataspace of " + where));
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  Check(static_cast<hid_t>(n), "size of " + where);
  std::string bytes(static_cast<std::size_t>(n), '\0');
  if (n > 0) {
    if (H5Dread(dataset, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0)
      FailRead(where, "");
  }
  return bytes;
}

CompoundType::CompoundType(std::size_t size) : type_(H5Tcreate(H5T_COMPOUND, size)) {}

CompoundType& CompoundType::Int32(const char* name, std::size_t offset) {
  H5Tinsert(type_, name, offset, H5T_NATIVE_INT32);
  return *this;
}
CompoundType& CompoundType::Int64(const char* name, std::size_t offset) {
  H5Tinsert(type_, name, offset, H5T_NATIVE_INT64);
  return *this;
}
CompoundType& CompoundType::UInt64(const char* name, std::size_t offset) {
  H5Tinsert(type_, name, offset, H5T_NATIVE_UINT64);
  return *this;
}
CompoundType& CompoundType::Double(const char* name, std::size_t offset) {
  H5Tinsert(type_, name, offset, H5T_NATIVE_DOUBLE);
  return *this;
}
CompoundType& CompoundType::String(const char* name, std::size_t offset) {
  Handle type = VariableString();
  H5Tinsert(type_, name, offset, type);
  return *this;
}

void WriteAtomically(const std::string& path, const char* format, int schema_version,
                     const std::function<void(File&)>& fill) {
  SilenceHdf5Errors();
  const std::string tmp = path + ".tmp";
  try {
    // HDF5 builds the file in memory and dts writes it out: a failing disk (ENOSPC, EFBIG, EIO) then fails
    // our write(), never one of HDF5's, which would leave HDF5 with a file it can neither flush nor close
    // (and crash in its atexit handler).
    MemoryImage image;
    {
      File file = File::CreateInMemory(path, image);
      file.WriteString(file.root(), kFormatAttr, format);
      file.WriteInt64(file.root(), kSchemaVersionAttr, schema_version);
      fill(file);
      file.WriteTextChecksums();  // last: every text the file holds is written by now
      file.Close();
    }
    WriteWholeFile(tmp, path, image.Bytes(path));
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw IoError(path, "cannot rename " + tmp + " over it: " + ec.message());
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (dir.empty()) dir = ".";
    FsyncPath(dir.string(), path, /*directory=*/true);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

}  // namespace dts::schema::internal
