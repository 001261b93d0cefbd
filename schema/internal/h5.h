// Thin RAII + error-checking layer over the HDF5 C API, shared by the trial-file and manifest code.
// Only schema/*.cc include this. Every failure becomes an IoError naming the file (and HDF5's innermost
// message, e.g. "truncated file: eof = ..."), never a crash or HDF5's own stack dump on stderr.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dts::schema::internal {

// Owns one HDF5 identifier of any kind; closes it with the matching H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& other) noexcept;
  ~Handle() { Close(); }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT(google-explicit-constructor): reads like the C API
  void Close() noexcept;
  hid_t Release() noexcept {
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// The bytes of a file that HDF5 builds in memory (File::CreateInMemory): HDF5's core driver grows the buffer
// through callbacks into this object and, when it closes the file, hands it over here instead of freeing it.
// The buffer is a memory mapping of its own, not a heap block: growing it moves no bytes (mremap), so a
// trial file's tens of MB are never held twice, and freeing it returns its pages to the system at once,
// whatever the C allocator keeps (model/allocator.h).
class MemoryImage {
 public:
  MemoryImage() = default;
  MemoryImage(const MemoryImage&) = delete;
  MemoryImage& operator=(const MemoryImage&) = delete;
  ~MemoryImage();
  // The complete file once HDF5 closed it: the buffer cut at the end-of-file address in its superblock.
  // Throws IoError naming `path` when HDF5 did not hand a closed file over.
  std::string_view Bytes(const std::string& path) const;

 private:
  friend class File;
  static void* Realloc(void* ptr, std::size_t size, H5FD_file_image_op_t op, void* udata);
  static herr_t Free(void* ptr, H5FD_file_image_op_t op, void* udata);
  void* data_ = nullptr;
  std::size_t size_ = 0;
  bool closed_ = false;  // HDF5 closed the file and handed the buffer over
};

// Everything about one file being read or written: the path (for messages) and its root id.
class File {
 public:
  // Creates an HDF5 file in memory (HDF5's core driver, no backing store) whose bytes end up in `image`
  // when it is closed (which `image` must outlive); messages name `path`.
  static File CreateInMemory(const std::string& path, MemoryImage& image);
  // Opens read-only and checks the root attributes `format` and `schema_version`.
  static File OpenChecked(const std::string& path, const char* format, int schema_version);

  hid_t root() const { return file_; }
  const std::string& path() const { return path_; }
  void Close();  // closes (which flushes: strong close degree); errors name the path

  // Throws IoError(path, what + HDF5's message) when `status` < 0; returns it otherwise.
  hid_t Check(hid_t status, const std::string& what) const;
  [[noreturn]] void Fail(const std::string& what) const;
  // After a failed H5Dread of `where`: "damaged data in WHERE" when a chunk's checksum did not match, else
  // "cannot read WHERE" + `hint`; both with HDF5's message.
  [[noreturn]] void FailRead(const std::string& where, const char* hint) const;

  Handle CreateGroup(hid_t parent, const char* name) const;
  Handle OpenGroup(hid_t parent, const char* name, const std::string& where) const;
  bool Exists(hid_t parent, const char* name) const;

  void WriteString(hid_t obj, const char* name, const std::string& value) const;
  void WriteInt64(hid_t obj, const char* name, std::int64_t value) const;
  void WriteUInt64(hid_t obj, const char* name, std::uint64_t value) const;
  void WriteDouble(hid_t obj, const char* name, double value) const;
  // `where` names the object in messages ("/", "/metrics/test").
  std::string ReadString(hid_t obj, const char* name, const std::string& where) const;
  std::int64_t ReadInt64(hid_t obj, const char* name, const std::string& where) const;
  std::uint64_t ReadUInt64(hid_t obj, const char* name, const std::string& where) const;
  double ReadDouble(hid_t obj, const char* name, const std::string& where) const;
  std::vector<std::string> AttributeNames(hid_t obj, const std::string& where) const;

  // A 1-D chunked, unlimited dataset of compound rows. `rows` points at n packed structs of `memtype`.
  void WriteTable(hid_t parent, const char* name, hid_t memtype, const void* rows, std::size_t n) const;
  // Reads all rows into `out` (resized to n * row_size bytes); returns n. Members are matched by name, so a
  // missing member is an error naming the dataset. Caller reclaims variable-length strings (ReclaimStrings).
  std::size_t ReadTable(hid_t parent, const char* name, const std::string& where, hid_t memtype,
                        std::vector<unsigned char>& out, std::size_t row_size) const;
  void ReclaimStrings(hid_t memtype, std::vector<unsigned char>& rows, std::size_t n) const;

  void WriteStrings(hid_t parent, const char* name, const std::vector<std::string>& values) const;
  std::vector<std::string> ReadStrings(hid_t parent, const char* name, const std::string& where) const;
  void WriteBytes(hid_t parent, const char* name, const std::string& bytes) const;
  using ByteSink = std::function<void(const char* data, std::size_t size)>;
  // A byte dataset like WriteBytes', of `size` bytes that `produce` hands to its sink in pieces of any size:
  // they are written a chunk at a time, never held whole. Another number of bytes than `size` fails.
  void WriteProducedBytes(hid_t parent, const char* name, std::uint64_t size,
                          const std::function<void(const ByteSink&)>& produce) const;
  // Copies the object `name` of `source_parent` (in another file) to `parent`, as stored: chunks, filters and
  // checksums included, a chunk at a time.
  void CopyObject(hid_t source_parent, const char* name, hid_t parent) const;
  std::uint64_t BytesSize(hid_t parent, const char* name, const std::string& where) const;
  std::string ReadBytes(hid_t parent, const char* name, const std::string& where) const;

  // Checksummed text. Variable-length strings live in HDF5's global heap, which neither Fletcher32 nor HDF5's
  // metadata checksums cover. So every text written through this class (string attributes, string datasets,
  // each string column of a table) has its checksum recorded here, and WriteAtomically stores them all in the
  // Fletcher32-filtered table /text_checksums; OpenChecked loads that table and every read above verifies
  // the text it returns against it, failing with "damaged data in WHERE". A file without the table was
  // written before it existed: it reads as before, unverified (TextVerified() is false).
  bool TextVerified() const { return text_verified_; }
  void WriteTextChecksums() const;

 private:
  File(std::string path, Handle file) : path_(std::move(path)), file_(std::move(file)) {}
  void LoadTextChecksums();
  // Writing: remembers `checksum` as the text of `key` ("/config@model.cell", "/predictions",
  // "/attempts#host"). Reading: fails naming `where` when it differs from the stored one.
  void RecordText(const std::string& key, std::uint64_t checksum) const;
  void VerifyText(const std::string& key, std::uint64_t checksum, const std::string& where) const;
  // The checksums of the variable-length string members of `n` rows of `memtype`, by member name.
  std::map<std::string, std::uint64_t> ColumnChecksums(hid_t memtype, const void* rows, std::size_t n) const;
  std::string path_;
  Handle file_;
  mutable std::map<std::string, std::uint64_t> text_checksums_;
  bool text_verified_ = false;
};

// Builds an in-memory compound type member by member.
class CompoundType {
 public:
  explicit CompoundType(std::size_t size);
  CompoundType& Int32(const char* name, std::size_t offset);
  CompoundType& Int64(const char* name, std::size_t offset);
  CompoundType& UInt64(const char* name, std::size_t offset);
  CompoundType& Double(const char* name, std::size_t offset);
  CompoundType& String(const char* name, std::size_t offset);  // member is a char* (variable length)
  hid_t get() const { return type_; }

 private:
  Handle type_;
};

// Writes a file atomically: `fill` writes into an in-memory HDF5 file whose bytes are then written to
// PATH.tmp, fsynced and renamed over `path`, and the directory fsynced. On any error (a full disk included)
// the temporary is removed, HDF5 holds nothing open, and the IoError naming `path` is rethrown.
void WriteAtomically(const std::string& path, const char* format, int schema_version,
                     const std::function<void(File&)>& fill);

// Turns off HDF5's automatic error printing (once per process); called by every entry point.
void SilenceHdf5Errors();

}  // namespace dts::schema::internal
