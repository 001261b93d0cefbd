add_executable(dts-prepare ${CMAKE_CURRENT_LIST_DIR}/dts_prepare.cc)
target_link_libraries(dts-prepare PRIVATE dts_data Boost::program_options)
target_compile_options(dts-prepare PRIVATE ${DTS_WARNINGS})
