// docs/hdf5-schema.md must document every name declared in schema/trial_schema.h.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "schema/trial_schema.h"

namespace dts::schema {
namespace {

TEST(SchemaDocsTest, EveryDeclaredNameIsDocumented) {
  std::ifstream in("docs/hdf5-schema.md");  // tests run in the repository root
  ASSERT_TRUE(in) << "cannot read docs/hdf5-schema.md";
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  for (const char* name : AllSchemaNames()) {
    // As a name (`seed`) or as the last component of a path (`/metrics/dev`).
    const std::string n = name;
    const bool found =
        doc.find("`" + n + "`") != std::string::npos || doc.find("/" + n + "`") != std::string::npos;
    EXPECT_TRUE(found) << "docs/hdf5-schema.md does not mention `" << name << "`";
  }
  EXPECT_NE(doc.find("schema_version = " + std::to_string(kTrialSchemaVersion)), std::string::npos);
}

}  // namespace
}  // namespace dts::schema
