# `cmake --install` lays out a prefix that embedders and plugin authors build
# against:
#   bin/smelt                      the CLI (when the compiler is built)
#   include/smelt/*.h, *.hpp       runtime.h, runtime.hpp, plugin.h
#   lib/libsmelt_runtime.so*       the runtime
#   lib/smelt/plugins/             plugins found by default (null, ...)
#   lib/cmake/Smelt/               find_package(Smelt): Smelt::runtime,
#                                  Smelt::plugin_sdk, smelt_add_plugin()
include(CMakePackageConfigHelpers)

install(TARGETS smelt_runtime smelt_plugin_sdk
  EXPORT SmeltTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/smelt)
install(EXPORT SmeltTargets
  NAMESPACE Smelt::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Smelt)
configure_package_config_file(cmake/SmeltConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/SmeltConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Smelt)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/SmeltConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_BINARY_DIR}/cmake/SmeltConfig.cmake
  ${CMAKE_BINARY_DIR}/cmake/SmeltConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Smelt)
if(TARGET smelt)
  install(TARGETS smelt RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
