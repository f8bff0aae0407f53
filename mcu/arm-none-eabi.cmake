# CMake toolchain for bare-metal Arm Cortex-M with Debian's gcc-arm-none-eabi and newlib.
#   cmake -S mcu -B build-mcu -DCMAKE_TOOLCHAIN_FILE=mcu/arm-none-eabi.cmake \
#         -DXN_MCU_CPU=cortex-m7 -DXN_MCU_FPU=fpv5-d16
# SPDX-License-Identifier: Apache-2.0
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar)
# no operating system to link a test program against: check the compiler with a library
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(XN_MCU_CPU "cortex-m7" CACHE STRING "-mcpu")
set(XN_MCU_FPU "fpv5-d16" CACHE STRING "-mfpu (fpv5-d16: double FPU of an M7; fpv4-sp-d16: M4F)")
set(CMAKE_C_FLAGS_INIT "-mthumb -mcpu=${XN_MCU_CPU} -mfpu=${XN_MCU_FPU} -mfloat-abi=hard")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
